/**
 * How chunks of different jobs share the workers. Every chunk's BullMQ priority is its index in
 * its job (1 = first), and BullMQ serves lower numbers first, FIFO among equals. So the k-th
 * chunk of every job runs before the (k+1)-th chunk of any job: concurrent jobs advance in
 * round-robin, and a small job submitted while another client's 5 GB job is running waits for at
 * most one chunk per worker, not for all of the big job's chunks.
 */
export const MAX_PRIORITY = 2 ** 21; // BullMQ's largest priority

export function chunkPriority(chunkIndex: number): number {
  return Math.min(chunkIndex + 1, MAX_PRIORITY);
}
