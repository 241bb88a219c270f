/** The dashboards' JSON holds together: what Grafana would otherwise only show as broken panels. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allPanels, allQueries, grafanaDir, loadDashboards, loadProvisionedDatasources, regexValue, renderQuery, variablesUsed } from './support/dashboards.js';

const dashboards = loadDashboards();
const datasources = loadProvisionedDatasources();

describe('provisioning', () => {
  it('provisions one InfluxDB datasource speaking InfluxQL, with a fixed uid the dashboards use', () => {
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({ uid: 'scalewright-influxdb', type: 'influxdb' });
    const text = readFileSync(join(grafanaDir, 'provisioning', 'datasources', 'influxdb.yaml'), 'utf8');
    expect(text).toContain('${INFLUX_URL}');
    expect(text).not.toMatch(/version:\s*Flux/i);
  });

  it('provisions a file dashboards provider', () => {
    const provider = parse(readFileSync(join(grafanaDir, 'provisioning', 'dashboards', 'scalewright.yaml'), 'utf8')) as { providers: Array<{ type: string; options: { path: string } }> };
    expect(provider.providers[0]?.type).toBe('file');
    expect(provider.providers[0]?.options.path).toMatch(/^\//);
  });

  it('has the Services, Containers and Scaler dashboards', () => {
    expect(dashboards.map(({ dashboard }) => dashboard.title).sort()).toEqual(['Scalewright / Containers', 'Scalewright / Scaler', 'Scalewright / Services']);
    expect(existsSync(join(grafanaDir, 'dashboards', 'services.json'))).toBe(true);
  });
});

describe.each(dashboards)('dashboard $file', ({ dashboard }) => {
  it('has unique panel ids', () => {
    const ids = allPanels(dashboard).map((panel) => panel.id);
    expect(ids.every((id) => Number.isInteger(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refers only to the provisioned datasource, everywhere a datasource is named', () => {
    const refs = [
      ...allPanels(dashboard).flatMap((panel) => [panel.datasource, ...(panel.targets ?? []).map((target) => target.datasource)]),
      ...dashboard.templating.list.map((variable) => variable.datasource),
      ...dashboard.annotations.list.filter((annotation) => !annotation.builtIn).map((annotation) => annotation.datasource),
    ];
    for (const ref of refs) {
      expect(ref).toBeDefined();
      expect(datasources.find((datasource) => datasource.uid === ref?.uid && datasource.type === ref?.type)).toBeDefined();
    }
  });

  it('defines every variable its queries and aliases use, and uses every variable it defines', () => {
    const defined = new Set(dashboard.templating.list.map((variable) => variable.name));
    const texts = [
      ...allQueries(dashboard).map((query) => query.query),
      ...allPanels(dashboard).flatMap((panel) => (panel.targets ?? []).map((target) => target.alias ?? '')),
    ];
    const used = new Set(texts.flatMap(variablesUsed));
    for (const name of used) expect(defined, `variable $${name}`).toContain(name);
    for (const name of defined) expect(used, `variable $${name} defined but unused`).toContain(name);
  });

  it('uses $timeFilter in every panel and annotation query, and $__interval wherever it groups by time', () => {
    for (const query of allQueries(dashboard).filter((one) => !one.where.startsWith('variable'))) {
      expect(query.query, query.where).toContain('$timeFilter');
      if (/GROUP BY time\(/.test(query.query)) expect(query.query, query.where).toContain('GROUP BY time($__interval)');
    }
  });
});

describe('rendering a query as Grafana does', () => {
  it('substitutes the time filter, the interval and regex-formatted variables', () => {
    const rendered = renderQuery('SELECT mean("x") FROM "m" WHERE "service" =~ /^$service$/ AND $timeFilter GROUP BY time($__interval)', {
      range: '5m',
      interval: '2s',
      variables: { service: ['a.b', 'c'] },
    });
    expect(rendered).toBe('SELECT mean("x") FROM "m" WHERE "service" =~ /^(a\\.b|c)$/ AND time > now() - 5m GROUP BY time(2s)');
    expect(regexValue(['one'])).toBe('one');
  });
});
