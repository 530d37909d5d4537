/**
 * CPU time of a process and its direct children (the cluster primary and its
 * workers), read from /proc. CPU seconds per request do not depend on how busy the
 * machine is, which makes them the steadier companion of requests per second on a
 * shared two-core box. Null where /proc is missing (not Linux).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

function readClockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

const TICKS_PER_S = readClockTicksPerSecond();

interface ProcStat {
  ppid: number;
  cpuTicks: number;
}

/** Fields of /proc/<pid>/stat after the `(comm)` field, which may itself hold spaces. */
function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After comm: state(0) ppid(1) ... utime(11) stime(12).
  const ppid = Number(fields[1]);
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ppid) && Number.isFinite(cpuTicks) ? { ppid, cpuTicks } : null;
}

/** User plus system CPU seconds of `pid` and every live process whose parent it is. */
export function readProcessTreeCpuS(pid: number): number | null {
  const root = readProcStat(pid);
  if (root === null) return null;
  let ticks = root.cpuTicks;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const child = readProcStat(Number(entry));
    if (child?.ppid === pid) ticks += child.cpuTicks;
  }
  return ticks / TICKS_PER_S;
}

/** CPU seconds this process (the load generator) has used so far. */
export function readOwnCpuS(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** CPU seconds all processes on the machine have used so far (from /proc/stat); null off Linux. */
export function readMachineBusyCpuS(): number | null {
  let text: string;
  try {
    text = readFileSync("/proc/stat", "utf8");
  } catch {
    return null;
  }
  const fields = (text.split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is work.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_S;
}
