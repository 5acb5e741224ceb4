import { referenceTests } from './reference-cases.js';

referenceTests('legacy-*', (slug) => slug.startsWith('legacy-'));
