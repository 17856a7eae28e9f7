/**
 * CPU time of one thread of this process, from /proc on Linux (undefined elsewhere). Each
 * worker reports its kernel thread id (from /proc/thread-self) when it starts.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/task/<tid>/stat times; 100 on Linux. */
const TICKS_PER_SECOND = 100;

export function threadCpuMs(tid: number | undefined): number | undefined {
  if (tid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
