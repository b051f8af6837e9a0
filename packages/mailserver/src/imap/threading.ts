/** RFC 5256 threading: ORDEREDSUBJECT and REFERENCES. Output is the THREAD response body. */
import { baseSubject } from '../mime/subject.js';
import type { ThreadInfo } from '../store/index.js';

function isReply(subject: string): boolean {
  return /^\s*(\[[^\]]*\]\s*)*(re|fwd?)\s*(\[[^\]]*\])?\s*:/i.test(subject) || /\(fwd\)\s*$/i.test(subject) || /^\s*\[fwd:/i.test(subject);
}

interface Node {
  msg: ThreadInfo | null;
  parent: Node | null;
  children: Node[];
}

function format(node: Node): string {
  const parts: string[] = [];
  if (node.msg) parts.push(String(node.msg.uid));
  if (node.children.length === 1 && node.msg) parts.push(format(node.children[0]!));
  else if (node.children.length) parts.push(node.children.map((c) => `(${format(c)})`).join(''));
  return parts.join(' ');
}

const nodeDate = (n: Node): number => (n.msg ? n.msg.date : n.children[0] ? nodeDate(n.children[0]) : 0);
const nodeUid = (n: Node): number => (n.msg ? n.msg.uid : n.children[0] ? nodeUid(n.children[0]) : 0);
const byDate = (a: Node, b: Node) => nodeDate(a) - nodeDate(b) || nodeUid(a) - nodeUid(b);

function sortTree(nodes: Node[]): void {
  for (const n of nodes) sortTree(n.children);
  nodes.sort(byDate);
}

export function threadOrderedSubject(msgs: ThreadInfo[]): string {
  const groups = new Map<string, ThreadInfo[]>();
  const sorted = [...msgs].sort((a, b) => baseSubject(a.subject).localeCompare(baseSubject(b.subject)) || a.date - b.date || a.uid - b.uid);
  for (const m of sorted) {
    const k = baseSubject(m.subject);
    const g = groups.get(k) ?? [];
    g.push(m);
    groups.set(k, g);
  }
  const roots: Node[] = [...groups.values()].map((g) => {
    const root: Node = { msg: g[0]!, parent: null, children: [] };
    root.children = g.slice(1).map((m) => ({ msg: m, parent: root, children: [] }));
    return root;
  });
  roots.sort(byDate);
  return roots.map((r) => `(${format(r)})`).join('');
}

export function threadReferences(msgs: ThreadInfo[]): string {
  const table = new Map<string, Node>();
  const all: Node[] = [];
  const isAncestor = (a: Node, b: Node): boolean => {
    for (let p: Node | null = b; p; p = p.parent) if (p === a) return true;
    return false;
  };
  const link = (parent: Node, child: Node) => {
    if (child.parent) child.parent.children = child.parent.children.filter((c) => c !== child);
    child.parent = parent;
    parent.children.push(child);
  };
  const get = (id: string): Node => {
    let n = table.get(id);
    if (!n) { n = { msg: null, parent: null, children: [] }; table.set(id, n); all.push(n); }
    return n;
  };
  let unique = 0;
  for (const m of [...msgs].sort((a, b) => a.uid - b.uid)) {
    let node: Node;
    const existing = m.messageId ? table.get(m.messageId) : undefined;
    if (existing && !existing.msg) node = existing;
    else {
      node = { msg: null, parent: null, children: [] };
      table.set(m.messageId && !existing ? m.messageId : `\u0000dup${unique++}`, node);
      all.push(node);
    }
    node.msg = m;
    let prev: Node | null = null;
    for (const ref of m.references) {
      const r = get(ref);
      if (prev && !r.parent && r !== prev && !isAncestor(r, prev)) link(prev, r);
      prev = r;
    }
    if (node.parent) {
      node.parent.children = node.parent.children.filter((c) => c !== node);
      node.parent = null;
    }
    if (prev && prev !== node && !isAncestor(node, prev)) link(prev, node);
  }
  // prune empty containers
  const prune = (nodes: Node[], isRoot: boolean): Node[] => {
    const out: Node[] = [];
    for (const n of nodes) {
      n.children = prune(n.children, false);
      for (const c of n.children) c.parent = n;
      if (!n.msg && !n.children.length) continue;
      if (!n.msg && (!isRoot || n.children.length === 1)) {
        for (const c of n.children) c.parent = null;
        out.push(...n.children);
        continue;
      }
      out.push(n);
    }
    return out;
  };
  let roots = prune(all.filter((n) => !n.parent), true);
  for (const r of roots) r.parent = null;
  // group root threads by base subject
  const subjectOf = (n: Node): string => (n.msg ? n.msg.subject : n.children[0] ? subjectOf(n.children[0]) : '');
  const bySubject = new Map<string, Node>();
  for (const r of roots) {
    const subj = baseSubject(subjectOf(r));
    if (!subj) continue;
    const cur = bySubject.get(subj);
    if (!cur || (!r.msg && cur.msg) || (cur.msg && r.msg && isReply(cur.msg.subject) && !isReply(r.msg.subject))) bySubject.set(subj, r);
  }
  const merged: Node[] = [];
  for (const r of roots) {
    const subj = baseSubject(subjectOf(r));
    const target = subj ? bySubject.get(subj) : undefined;
    if (!target || target === r) { merged.push(r); continue; }
    if (!target.msg && !r.msg) { for (const c of r.children) link(target, c); continue; }
    if (!target.msg) { link(target, r); continue; }
    if (!r.msg) { // keep the dummy as the thread root
      link(r, target);
      bySubject.set(subj, r);
      const idx = merged.indexOf(target);
      if (idx >= 0) merged[idx] = r;
      else merged.push(r);
      continue;
    }
    if (!isReply(target.msg.subject) && isReply(r.msg.subject)) { link(target, r); continue; }
    const dummy: Node = { msg: null, parent: null, children: [] };
    const idx = merged.indexOf(target);
    link(dummy, target);
    link(dummy, r);
    bySubject.set(subj, dummy);
    if (idx >= 0) merged[idx] = dummy;
    else merged.push(dummy);
  }
  roots = merged;
  sortTree(roots);
  return roots.map((r) => `(${format(r)})`).join('');
}
