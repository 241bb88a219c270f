import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InfluxWriterStats } from '../common/influx/writer.js';

/** The collector's own health, served on its /metrics. */
export function createSelfMetrics(writerStats: () => InfluxWriterStats) {
  const registry = new Registry();
  const registers = [registry];
  /** A counter mirrored from a running total kept elsewhere (the writer). */
  const mirroredCounter = (name: string, help: string, read: (stats: InfluxWriterStats) => number) => {
    let seen = 0;
    return new Counter({
      name,
      help,
      registers,
      collect() {
        const now = read(writerStats());
        if (now > seen) this.inc(now - seen);
        seen = now;
      },
    });
  };
  return {
    registry,
    tickDuration: new Histogram({
      name: 'collector_tick_duration_seconds',
      help: 'Time to collect every target once (cgroups, scrapes, points)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    scrapeDuration: new Histogram({
      name: 'collector_scrape_duration_seconds',
      help: "Time to fetch and parse one replica's /metrics",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    scrapeErrors: new Counter({ name: 'collector_scrape_errors_total', help: '/metrics scrapes that failed', registers }),
    cgroupErrors: new Counter({ name: 'collector_cgroup_errors_total', help: 'Targets whose cgroup could not be read in an interval', registers }),
    statsFallbacks: new Counter({ name: 'collector_docker_stats_fallbacks_total', help: 'Readings taken from the Docker stats API because cgroup files were not visible', registers }),
    ticksSkipped: new Counter({ name: 'collector_ticks_skipped_total', help: 'Intervals skipped because the previous collection was still running', registers }),
    targets: new Gauge({ name: 'collector_targets', help: 'Containers being watched', registers }),
    pointsWritten: mirroredCounter('collector_points_written_total', 'Points InfluxDB accepted', (stats) => stats.pointsWritten),
    writeErrors: mirroredCounter('collector_write_errors_total', 'Failed /write requests (each retried unless rejected)', (stats) => stats.writeErrors),
    droppedPoints: mirroredCounter('collector_dropped_points_total', 'Points lost: buffer overflow while InfluxDB was away, or rejected by it', (stats) => stats.droppedPoints),
    bufferPoints: new Gauge({ name: 'collector_buffer_points', help: 'Points waiting to be written', registers, collect() { this.set(writerStats().bufferedPoints); } }),
    bufferCapacity: new Gauge({ name: 'collector_buffer_capacity_points', help: 'Bound of the write buffer', registers, collect() { this.set(writerStats().bufferCapacity); } }),
    bufferFill: new Gauge({ name: 'collector_buffer_fill_ratio', help: 'Buffered points / capacity (0–1)', registers, collect() { const s = writerStats(); this.set(s.bufferedPoints / s.bufferCapacity); } }),
    influxUp: new Gauge({ name: 'collector_influxdb_up', help: '1 when the last write to InfluxDB succeeded', registers, collect() { this.set(writerStats().reachable ? 1 : 0); } }),
  };
}

export type SelfMetrics = ReturnType<typeof createSelfMetrics>;
