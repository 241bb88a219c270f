/** The `scaler` and `report` commands: every flag documented with its env var; env flags parsed, not merely present. */
import { describe, expect, it } from 'vitest';
import { scalerCommand } from '../../scaler/command.js';
import { loadScalerConfig } from '../../scaler/loop/config.js';
import { reportCommand } from '../../scaler/report/command.js';

describe('scaler and report commands', () => {
  it('the scaler help names every flag with its env var and default', () => {
    const help = scalerCommand().helpInformation().replace(/\s+/g, ' ');
    for (const text of ['--dry-run', 'SCALER_DRY_RUN', '--interval', 'SCALER_INTERVAL_SECONDS', 'default: "5"', '--platform', '"docker", "swarm", "kubernetes"', '--config', 'SCALER_POLICY_FILE', '--redis-url', 'REDIS_URL', '--stale-after', '--parallel', 'SCALER_PARALLEL_SERVICES', '--drain', '--require-label', '--influx-url', 'INFLUX_URL', '--namespace', 'K8S_NAMESPACE', '--once']) {
      expect(help).toContain(text);
    }
  });

  it('the report help names its flags', () => {
    const help = reportCommand().helpInformation().replace(/\s+/g, ' ');
    for (const text of ['--service', '--last', 'default: "1h"', '--from', '--to', '--out', 'REPORT_OUT', '--influx-url']) expect(help).toContain(text);
  });

  it('SCALER_DRY_RUN=false means acting, =true dry-run; defaults are sane', () => {
    expect(loadScalerConfig({ SCALER_DRY_RUN: 'false' }).SCALER_DRY_RUN).toBe(false);
    expect(loadScalerConfig({ SCALER_DRY_RUN: 'true' }).SCALER_DRY_RUN).toBe(true);
    expect(loadScalerConfig({})).toMatchObject({ SCALER_DRY_RUN: false, SCALER_INTERVAL_SECONDS: 5, SCALER_PLATFORM: 'docker', SCALER_STALE_AFTER_SECONDS: 15, SCALER_PARALLEL_SERVICES: 8, SCALER_PORT: 9106 });
    expect(() => loadScalerConfig({ SCALER_PARALLEL_SERVICES: '0' })).toThrow(/SCALER_PARALLEL_SERVICES/);
    expect(() => loadScalerConfig({ SCALER_PLATFORM: 'nomad' })).toThrow(/SCALER_PLATFORM/);
  });
});
