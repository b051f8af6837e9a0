/** Process memory from /proc (Linux): one process, or a whole process tree summed. */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface ProcMemory {
  /** Resident set size now, KiB. */
  rssKb: number;
  /** Peak resident set size (VmHWM), KiB. */
  hwmKb: number;
}

function statusField(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** VmRSS and VmHWM of one process, or null when it is gone. */
export function procMemory(pid: number): ProcMemory | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rssKb: statusField(text, 'VmRSS'), hwmKb: statusField(text, 'VmHWM') };
  } catch {
    return null;
  }
}

/** `pid` and all its descendants (processes alive now). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // the command name may contain spaces and parentheses: the ppid comes after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid);
      if (list) list.push(Number(name));
      else children.set(ppid, [Number(name)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.pop()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Sum of VmRSS over a process tree, KiB, and the number of processes. */
export function treeRssKb(pid: number): { rssKb: number; processes: number } {
  let rssKb = 0;
  let processes = 0;
  for (const p of processTree(pid)) {
    const m = procMemory(p);
    if (!m) continue;
    rssKb += m.rssKb;
    processes++;
  }
  return { rssKb, processes };
}

/**
 * Samples the summed RSS of a process tree every `intervalMs` and keeps the peak: the only way
 * to see the memory of short-lived children (Dovecot's per-session imap processes).
 */
export class RssSampler {
  peakKb = 0;
  peakProcesses = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private pid: number,
    private intervalMs = 100,
  ) {}

  sample(): number {
    const { rssKb, processes } = treeRssKb(this.pid);
    if (rssKb > this.peakKb) {
      this.peakKb = rssKb;
      this.peakProcesses = processes;
    }
    return rssKb;
  }

  start(): this {
    this.peakKb = 0;
    this.peakProcesses = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): { peakKb: number; peakProcesses: number } {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return { peakKb: this.peakKb, peakProcesses: this.peakProcesses };
  }
}

export function machine(): { cpus: number; cpuModel: string; memoryMb: number; kernel: string; node: string; loadAvg: number[] } {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryMb: Math.round(os.totalmem() / 1024 / 1024),
    kernel: os.release(),
    node: process.version,
    loadAvg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
