import { readFile } from 'node:fs/promises';

/**
 * The IPv4 address of a network namespace, read through one of its processes in /proc: where a
 * Kubernetes pod's address is when Docker does not know it. On a cri-dockerd node the pod's
 * sandbox runs with `NetworkMode: none` and the CNI plugin gives its namespace an interface and an
 * address Docker never hears of (criDockerd.ts); the kernel lists the namespace's own addresses in
 * `/proc/<pid>/net/fib_trie`, each a leaf followed by `/32 host LOCAL`.
 *
 * IPv4 only: the scraper is handed a bare host, and an IPv6-only pod is not reached.
 */
export function localAddressesFromFibTrie(text: string): string[] {
  const addresses: string[] = [];
  let leaf: string | undefined;
  for (const line of text.split('\n')) {
    const leafMatch = /^\s*\|--\s+(\d{1,3}(?:\.\d{1,3}){3})\s*$/.exec(line);
    if (leafMatch) {
      leaf = leafMatch[1];
      continue;
    }
    if (leaf && /^\s*\/32\s+host\s+LOCAL\s*$/.test(line) && !leaf.startsWith('127.') && !addresses.includes(leaf)) addresses.push(leaf);
  }
  return addresses;
}

/**
 * The first address other than loopback of the network namespace process `pid` is in, as the
 * host's /proc at `procRoot` shows it; undefined when it has none or cannot be read (the process
 * is gone, or /proc is not the host's).
 */
export async function netnsAddress(procRoot: string, pid: number): Promise<string | undefined> {
  if (!(pid > 0)) return undefined;
  const text = await readFile(`${procRoot}/${pid}/net/fib_trie`, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : localAddressesFromFibTrie(text)[0];
}
