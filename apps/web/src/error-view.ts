import { isSavedKerasError } from 'savedkeras';
import { h, fill } from './dom.js';

/** An error as the page shows it and the test hook reports it: plain data, never a blank screen. */
export interface ErrorInfo {
  /** SavedKerasError code ('MISSING_FILE', 'BACKEND', …) or 'INTERNAL' for anything else. */
  code: string;
  name: string;
  message: string;
  hint?: string;
  file?: string;
  node?: string;
}

export function describeError(e: unknown): ErrorInfo {
  if (isSavedKerasError(e)) {
    // The message carries "file: …" and "hint: …" already; show the hint once, on its own line.
    const message = e.message.split('\n  hint:')[0];
    return { code: e.code, name: e.name, message, hint: e.hint, file: e.file, node: e.node };
  }
  if (e instanceof Error) {
    return {
      code: 'INTERNAL',
      name: e.name,
      message: e.message,
      hint: 'this is not one of savedkeras\u2019 typed errors: please report it with the model that caused it',
    };
  }
  return { code: 'INTERNAL', name: 'Error', message: String(e) };
}

export function showError(section: HTMLElement, info: ErrorInfo, context: string): void {
  fill(
    section,
    h('div', { class: 'error-head' }, h('span', { class: 'code' }, info.code), h('span', { class: 'context' }, context)),
    h('pre', { class: 'message' }, info.message),
    info.hint ? h('div', { class: 'hint' }, h('b', {}, 'What to do: '), info.hint) : null,
  );
  section.setAttribute('data-code', info.code);
}

export function clearError(section: HTMLElement): void {
  section.hidden = true;
  section.replaceChildren();
  section.removeAttribute('data-code');
}
