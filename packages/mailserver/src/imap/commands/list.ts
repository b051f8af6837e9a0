/** LIST (with LIST-STATUS return option, special-use and children attributes) and LSUB. */
import { bad } from '../errors.js';
import { tokenText, type Token } from '../parser/tokenizer.js';
import { astring, atom, quote } from '../response.js';
import { HIERARCHY_DELIMITER, type MailboxInfo } from '../../store/index.js';
import { parseStatusItems, writeStatus } from './status.js';
import { requireUser } from './util.js';
import type { CommandContext, ImapCommand } from './types.js';

/**
 * LIST wildcards ('*' anything, '%' anything but the delimiter). Not a RegExp: a pattern such as
 * "*a*a*a*a*a*a*a*ab" made the backtracking engine run for minutes on one long name and froze the
 * whole process. This walks the pattern positions as a set, in O(name × pattern) time.
 */
function patternRegex(pattern: string, caseInsensitive: boolean): { test(name: string): boolean } {
  // a run of wildcards is one '*' if it holds any '*', else one '%'
  const pat = (caseInsensitive ? pattern.toLowerCase() : pattern).replace(/[*%]{2,}/g, (run) => (run.includes('*') ? '*' : '%'));
  const p = [...pat];
  const wild = (j: number) => p[j] === '*' || p[j] === '%';
  return {
    test(rawName: string): boolean {
      const name = [...(caseInsensitive ? rawName.toLowerCase() : rawName)];
      if (p.filter((c) => c !== '*' && c !== '%').length > name.length) return false;
      let cur = new Uint8Array(p.length + 1);
      cur[0] = 1;
      for (let j = 0; j < p.length; j++) if (cur[j] && wild(j)) cur[j + 1] = 1;
      for (const ch of name) {
        const next = new Uint8Array(p.length + 1);
        let alive = false;
        for (let j = 0; j < p.length; j++) {
          if (!cur[j]) continue;
          if (p[j] === '*' || (p[j] === '%' && ch !== HIERARCHY_DELIMITER)) { next[j] = 1; alive = true; }
          else if (p[j] === ch) { next[j + 1] = 1; alive = true; }
        }
        if (!alive) return false;
        for (let j = 0; j < p.length; j++) if (next[j] && wild(j)) next[j + 1] = 1;
        cur = next;
      }
      return cur[p.length] === 1;
    },
  };
}

function matches(name: string, pattern: string): boolean {
  if (patternRegex(pattern, false).test(name)) return true;
  // INBOX is case-insensitive, also as a hierarchy prefix
  if (name === 'INBOX' || name.startsWith('INBOX' + HIERARCHY_DELIMITER)) {
    const head = pattern.slice(0, 5);
    if (head.toUpperCase() === 'INBOX') return patternRegex('INBOX' + pattern.slice(5), false).test(name);
  }
  return false;
}

async function runList(ctx: CommandContext, lsub: boolean) {
  const { session } = ctx;
  const user = requireUser(session);
  const args = [...ctx.args];
  const selection = new Set<string>();
  const first = args[0];
  if (!lsub && first?.type === 'list') {
    args.shift();
    for (const t of first.items) {
      const opt = tokenText(t)?.toUpperCase() ?? '';
      if (!['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE'].includes(opt)) throw bad('Unsupported LIST selection option');
      selection.add(opt);
    }
    if (selection.has('RECURSIVEMATCH') && !selection.has('SUBSCRIBED') && !selection.has('SPECIAL-USE')) throw bad('RECURSIVEMATCH needs another selection option');
  }
  const returnOpts = new Set<string>();
  let statusItems: string[] | null = null;
  if (!lsub && args.length === 4 && tokenText(args[2])?.toUpperCase() === 'RETURN' && args[3]?.type === 'list') {
    const opts = args[3].items;
    args.splice(2, 2);
    for (let i = 0; i < opts.length; i++) {
      const name = tokenText(opts[i])?.toUpperCase();
      if (name === 'STATUS') {
        const items = opts[i + 1];
        if (!items || items.type !== 'list' || !session.hasCapability('LIST-STATUS')) throw bad('Invalid RETURN STATUS option');
        statusItems = parseStatusItems(items.items, session);
        i++;
      } else if (name === 'SPECIAL-USE' || name === 'CHILDREN' || name === 'SUBSCRIBED') returnOpts.add(name);
      else throw bad('Unsupported RETURN option');
    }
  }
  if (args.length !== 2) throw bad(`${lsub ? 'LSUB' : 'LIST'} expects a reference and a mailbox pattern`);
  const ref = tokenText(args[0]);
  if (ref === null) throw bad('Invalid reference name');
  const patternTok: Token = args[1]!;
  const patterns = patternTok.type === 'list' ? patternTok.items.map((t) => tokenText(t) ?? '') : [tokenText(patternTok) ?? ''];
  const verb = lsub ? 'LSUB' : 'LIST';

  if (patterns.length === 1 && patterns[0] === '') {
    session.writeLine(`* ${verb} (\\Noselect) "${HIERARCHY_DELIMITER}" ${quote(ref.startsWith(HIERARCHY_DELIMITER) ? HIERARCHY_DELIMITER : '')}`);
    return;
  }
  const boxes = await session.store.listMailboxes(user.id);
  const names = new Set(boxes.map((b) => b.name));
  const full = patterns.map((p) => (ref && !p.startsWith(HIERARCHY_DELIMITER) ? ref + p : p));
  const subscribedOnly = lsub || selection.has('SUBSCRIBED');
  const selected = (b: MailboxInfo) => (!subscribedOnly || b.subscribed) && (!selection.has('SPECIAL-USE') || !!b.specialUse);
  const matched: Array<{ box: MailboxInfo; childInfo: boolean; noselect: boolean }> = [];
  for (const box of boxes) {
    if (!full.some((p) => matches(box.name, p))) continue;
    // RFC 5258 RECURSIVEMATCH: a parent whose descendant satisfies the selection is reported with CHILDINFO
    const childInfo = selection.has('RECURSIVEMATCH') && selection.has('SUBSCRIBED') && boxes.some((b) => b.name.startsWith(box.name + HIERARCHY_DELIMITER) && selected(b));
    // RFC 3501 6.3.9: LSUB with "%" reports an unsubscribed parent of a subscribed mailbox as \Noselect
    const lsubParent = lsub && !box.subscribed && full.some((p) => p.includes('%')) && boxes.some((b) => b.subscribed && b.name.startsWith(box.name + HIERARCHY_DELIMITER));
    if (!selected(box) && !childInfo && !lsubParent) continue;
    matched.push({ box, childInfo, noselect: lsubParent });
  }
  // INBOX first, then alphabetical
  matched.sort(({ box: a }, { box: b }) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { box, childInfo, noselect } of matched) {
    const attrs: string[] = noselect ? ['\\Noselect'] : [];
    const hasChildren = [...names].some((n) => n.startsWith(box.name + HIERARCHY_DELIMITER));
    attrs.push(hasChildren ? '\\HasChildren' : '\\HasNoChildren');
    if (box.specialUse && session.hasCapability('SPECIAL-USE')) attrs.push(box.specialUse);
    if ((returnOpts.has('SUBSCRIBED') || (!lsub && selection.has('SUBSCRIBED'))) && box.subscribed) attrs.push('\\Subscribed');
    const extended = childInfo ? [['CHILDINFO', ['SUBSCRIBED']]] : [];
    session.untagged(atom(verb), attrs.map(atom), HIERARCHY_DELIMITER, astring(box.name), ...extended);
    if (statusItems) await writeStatus(session, box, statusItems);
  }
}

export const list: ImapCommand = {
  name: 'LIST',
  states: ['authenticated', 'selected'],
  handle: (ctx) => runList(ctx, false),
};

export const lsub: ImapCommand = {
  name: 'LSUB',
  states: ['authenticated', 'selected'],
  handle: (ctx) => runList(ctx, true),
};
