import { referenceTests } from './reference-cases.js';

referenceTests('all but legacy-*', (slug) => !slug.startsWith('legacy-'));
