// Keyboard shortcuts of the mail view (Gmail-style single keys).

export type Command =
  | 'next'
  | 'previous'
  | 'open'
  | 'back'
  | 'reply'
  | 'replyAll'
  | 'forward'
  | 'compose'
  | 'delete'
  | 'archive'
  | 'flag'
  | 'search'
  | 'help';

const KEYS: Record<string, Command> = {
  j: 'next',
  k: 'previous',
  o: 'open',
  Enter: 'open',
  u: 'back',
  r: 'reply',
  a: 'replyAll',
  f: 'forward',
  c: 'compose',
  '#': 'delete',
  e: 'archive',
  s: 'flag',
  '/': 'search',
  '?': 'help',
};

/** True when the key goes into a text field (or a control that uses the keys itself). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (target as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
  }
  return false;
}

export function shortcutFor(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'target'>): Command | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  const command = KEYS[event.key];
  if (!command) return null;
  // Enter on a button or link activates it, not "open".
  if (event.key === 'Enter' && event.target instanceof HTMLElement && event.target.closest('button, a, summary, [role="option"]')) return null;
  return command;
}
