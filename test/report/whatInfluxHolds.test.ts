/**
 * `scalewright report` against a real influxd, when what it is asked for is not all there: a
 * database or retention policy InfluxDB does not have, or a service it has never heard of, is
 * one line naming the flag and what InfluxDB does have, exit 2, nothing written; a service that is
 * known but has no data in the range, or only a few points, gets a report that says what is
 * missing rather than empty charts; a long range that recorded more decisions than a page can
 * show lists the newest ones, says so, and still counts them all.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureInfluxSchema, influxConnectionFrom, influxQuery, influxRetentionFrom, readInfluxEnv, type InfluxConnection } from '../../common/influx/index.js';
import { buildReport } from '../../scaler/report/build.js';
import { reportCommand } from '../../scaler/report/command.js';
import { MAX_DECISIONS_SHOWN } from '../../scaler/report/history.js';
import { capturingStderr } from '../support/failingDependencies.js';
import { capturingLogger } from '../support/capturingLogger.js';

const influxUrl = inject('influxUrl');
const suffix = `${process.pid}_${Date.now()}`;
const database = `report_holds_${suffix}`;
/** Made with CREATE DATABASE alone: only InfluxDB's own `autogen` policy, not the platform's `raw`. */
const bareDatabase = `report_bare_${suffix}`;
const now = Date.now();
const HOUR = 3_600_000;
let connection: InfluxConnection;
let out: string;

const report = (args: string[]) => capturingStderr(() => reportCommand().exitOverride().parseAsync([...args, '--influx-url', influxUrl, '--out', out], { from: 'user' }));

async function write(lines: string[]): Promise<void> {
  for (let i = 0; i < lines.length; i += 5000) {
    const response = await fetch(`${influxUrl}/write?db=${database}&rp=raw&precision=ms`, { method: 'POST', body: lines.slice(i, i + 5000).join('\n') });
    expect(response.status).toBe(204);
  }
}

const stats = (service: string, t: number, replicas: number) =>
  `service_stats,service=${service} replicas=${replicas}i,replicas_read=${replicas}i,replicas_with_cpu_usage=${replicas}i,cpu_usage_cores=0.1,cpu_limit_cores=${0.5 * replicas},memory_working_set_bytes=${replicas * 5e7},memory_limit_bytes=${replicas * 1e8} ${t}`;
const decision = (service: string, t: number, action: string, outcome: string) =>
  `scaler_decision,service=${service},action=${action} replicas_before=1i,replicas_after=2i,dry_run=${outcome === 'dry_run'},outcome="${outcome}",resource="replicas",reason="load" ${t}`;

beforeAll(async () => {
  const env = readInfluxEnv({ INFLUX_URL: influxUrl, INFLUX_DB: database, INFLUX_RETENTION: '30d' });
  connection = influxConnectionFrom(env);
  await ensureInfluxSchema(connection, influxRetentionFrom(env), capturingLogger('silent').logger);
  await influxQuery(connection, `CREATE DATABASE ${bareDatabase}`, { write: true, database: '', retentionPolicy: '' });
  // "few": three points a minute ago. "quiet": data two days ago only. "busy": a week of decisions every minute.
  const busy: string[] = [];
  for (let t = now - 7 * 24 * HOUR; t < now; t += 60_000) {
    busy.push(stats('busy', t, 2));
    busy.push(decision('busy', t, (t / 60_000) % 2 ? 'scale_in' : 'scale_out', 'applied'));
  }
  busy.push(decision('busy', now - 1000, 'scale_out', 'dry_run'), decision('busy', now - 900, 'hold', 'no_data'));
  // The peak lasted one minute: a bucket mean would flatten it.
  busy.push(stats('busy', now - 3 * 24 * HOUR + 30_000, 9));
  await write([...[3, 2, 1].map((s) => stats('few', now - 60_000 - s * 1000, 2)), stats('quiet', now - 48 * HOUR, 1), ...busy]);
  out = await mkdtemp(join(tmpdir(), 'sw-report-holds-'));
});

afterAll(async () => {
  await influxQuery(connection, `DROP DATABASE ${database}; DROP DATABASE ${bareDatabase}`, { write: true, database: '', retentionPolicy: '' }).catch(() => undefined);
  await rm(out, { recursive: true, force: true });
});

describe('what InfluxDB does not have is named, exit 2, nothing written', () => {
  it('a database that does not exist: --influx-db, with the databases there are', async () => {
    const { exitCode, stderr } = await report(['--influx-db', `no_such_${suffix}`, '--service', 'few']);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(new RegExp(`^--influx-db: InfluxDB at ${influxUrl} has no database "no_such_${suffix}" \\(it has: .*${database}.*\\)\\n$`));
    expect(await readdir(out)).toEqual([]);
  });

  it('a retention policy the database does not have: --retention-policy, with the policies it has (InfluxDB itself said only "not executed")', async () => {
    const { exitCode, stderr } = await report(['--influx-db', bareDatabase, '--service', 'few']);
    expect(exitCode).toBe(2);
    expect(stderr).toBe(`--retention-policy: database "${bareDatabase}" has no retention policy "raw" (it has: autogen)\n`);
    const other = await report(['--influx-db', database, '--retention-policy', 'nope', '--service', 'few']);
    expect(other).toEqual({ exitCode: 2, stderr: `--retention-policy: database "${database}" has no retention policy "nope" (it has: autogen, history, raw)\n` });
    expect(await readdir(out)).toEqual([]);
  });

  it('a service no measurement carries (a typo): --service, with the services there are', async () => {
    const { exitCode, stderr } = await report(['--influx-db', database, '--service', 'few,fwe']);
    expect(exitCode).toBe(2);
    expect(stderr).toBe(`--service: database "${database}" has no data for "fwe" (services it has: "busy", "few", "quiet")\n`);
    expect(await readdir(out)).toEqual([]);
  });
});

describe('a report with little data says what is missing', () => {
  it('a known service with nothing in the range: "No data in this range", and no empty charts', async () => {
    const { exitCode } = await report(['--influx-db', database, '--service', 'quiet', '--last', '1h', '--name', 'quiet']);
    expect(exitCode ?? 0).toBe(0);
    const html = await readFile(join(out, 'quiet.html'), 'utf8');
    const json = JSON.parse(await readFile(join(out, 'quiet.json'), 'utf8')) as { services: Array<{ summary: { headline: string; notes: string[] } }> };
    expect(json.services[0]?.summary.headline).toBe('No data in this range.');
    expect(json.services[0]?.summary.notes[0]).toMatch(/^No data for this service from .* nothing in service_stats or container_stats \(the collector\), nor in scaler_signal or scaler_decision \(the scaler\)/);
    expect(html).toContain('No data for this service from');
    expect(html).not.toContain('<svg');
  });

  it('three points in an hour: the report says how little of the range they cover, and that the scaler recorded no signal', async () => {
    const built = await buildReport(connection, { services: ['few'], from: now - HOUR, to: now });
    const notes = built.services[0]?.summary.notes ?? [];
    expect(notes).toContainEqual(expect.stringMatching(/^The data covers only \d+ s of the 60 min range \(.*, \d points? a chart\): the charts are blank elsewhere\.$/));
    expect(notes).toContainEqual(expect.stringMatching(/^The scaler recorded no signal for this service in this range/));
  });
});

describe('a long range', () => {
  it('lists the newest decisions only, says so, and counts every one of them in the summary', async () => {
    const built = await buildReport(connection, { services: ['busy'], from: now - 7 * 24 * HOUR - 1000, to: now });
    const busy = built.services[0];
    expect(busy?.decisions).toHaveLength(MAX_DECISIONS_SHOWN);
    // The newest ones, in time order: the range's last two (the dry run, then the hold for no data) end the list.
    expect(busy?.decisions.slice(-2).map((decision) => [decision.time, decision.outcome])).toEqual([[now - 1000, 'dry_run'], [now - 900, 'no_data']]);
    expect(busy?.summary.actions).toBe(7 * 24 * 60);
    expect(busy?.summary.dryRunActions).toBe(1);
    expect(busy?.summary.dataProblems).toBe(1);
    expect(busy?.summary.notes).toContainEqual(expect.stringMatching(new RegExp(`^The table and the markers show the last ${MAX_DECISIONS_SHOWN} of the ${7 * 24 * 60 + 2} decisions of the range`)));
  });

  it('says its points are bucket means, and reads the peak whole rather than from them', async () => {
    const built = await buildReport(connection, { services: ['busy'], from: now - 7 * 24 * HOUR - 1000, to: now });
    const busy = built.services[0];
    expect(busy?.bucketSeconds).toBeGreaterThan(60);
    expect(Math.max(...(busy?.replicas ?? []).map((p) => p.v))).toBeLessThan(9);
    expect(busy?.summary.replicasPeak).toBe(9);
    expect(busy?.summary.notes).toContainEqual(expect.stringMatching(/^Each point is the mean of a \d+ min bucket \(at most 400 points a chart\)/));
    // Bucket means are not whole replica counts; the headline says them to one decimal, not to sixteen.
    expect(busy?.summary.headline).not.toMatch(/\d\.\d{2,}/);
  });
});
