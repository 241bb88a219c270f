/**
 * Reads the provisioned dashboards and datasources, lists every InfluxQL query in them, and
 * renders a query the way Grafana's InfluxDB datasource does before sending it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const grafanaDir = join(import.meta.dirname, '..', '..', '..', 'grafana');

export interface DatasourceRef {
  type?: string;
  uid?: string;
}

export interface Target {
  refId: string;
  query?: string;
  alias?: string;
  datasource?: DatasourceRef;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: DatasourceRef;
  targets?: Target[];
  panels?: Panel[];
}

export interface Variable {
  name: string;
  type: string;
  query?: string;
  datasource?: DatasourceRef;
}

export interface Annotation {
  name: string;
  query?: string;
  builtIn?: number;
  datasource?: DatasourceRef;
  /** The result columns Grafana's InfluxDB annotations read the text, title and tags from (tags: comma-separated). */
  textColumn?: string;
  titleColumn?: string;
  tagsColumn?: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations: { list: Annotation[] };
}

export function loadDashboards(): Array<{ file: string; dashboard: Dashboard }> {
  const dir = join(grafanaDir, 'dashboards');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard }));
}

export function loadProvisionedDatasources(): Array<{ uid: string; type: string; name: string }> {
  const dir = join(grafanaDir, 'provisioning', 'datasources');
  return readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .flatMap((file) => (parse(readFileSync(join(dir, file), 'utf8')) as { datasources: Array<{ uid: string; type: string; name: string }> }).datasources);
}

/** Panels, rows' nested panels included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export interface DashboardQuery {
  dashboard: string;
  where: string;
  query: string;
  datasource: DatasourceRef | undefined;
  /** An annotation's: the columns its result must have for Grafana to show its text, title and tags. */
  columns?: string[];
}

/** Every InfluxQL query a dashboard sends: panel targets, variable queries, annotation queries. */
export function allQueries(dashboard: Dashboard): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      if (target.query) queries.push({ dashboard: dashboard.uid, where: `panel ${panel.id} "${panel.title}" target ${target.refId}`, query: target.query, datasource: target.datasource ?? panel.datasource });
    }
  }
  for (const variable of dashboard.templating.list) {
    if (variable.type === 'query' && variable.query) queries.push({ dashboard: dashboard.uid, where: `variable $${variable.name}`, query: variable.query, datasource: variable.datasource });
  }
  for (const annotation of dashboard.annotations.list) {
    if (annotation.builtIn || !annotation.query) continue;
    const columns = [annotation.textColumn, annotation.titleColumn, ...(annotation.tagsColumn ?? '').split(',')].map((column) => column?.trim()).filter((column): column is string => Boolean(column));
    queries.push({ dashboard: dashboard.uid, where: `annotation "${annotation.name}"`, query: annotation.query, datasource: annotation.datasource, columns: [...new Set(columns)] });
  }
  return queries;
}

/** Variables Grafana itself provides to InfluxDB queries and aliases. */
const builtIns = new Set(['timeFilter', '__interval', '__interval_ms', '__timeFilter', '__all', '__from', '__to', '__range', '__rate_interval', 'col', 'm', 'measurement']);

/** Names of the variables a text refers to (`$name`, `${name}`, `[[name]]`), built-ins and `$tag_*` aliases left out. */
export function variablesUsed(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)/g)) {
    const name = match[1] ?? match[2] ?? match[3] ?? '';
    if (!builtIns.has(name) && !name.startsWith('tag_') && !/^\d+$/.test(name)) names.add(name);
  }
  return [...names];
}

/** Grafana's regex formatting of a multi-value variable for InfluxQL: escaped values in `(a|b)`. */
export function regexValue(values: readonly string[]): string {
  const escaped = values.map((value) => value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&'));
  return escaped.length === 1 ? (escaped[0] ?? '') : `(${escaped.join('|')})`;
}

/**
 * The query as Grafana sends it: `$timeFilter` as a relative time range, `$__interval` as the
 * interval it computed, template variables by their (regex-formatted) current values.
 */
export function renderQuery(query: string, options: { range: string; interval: string; variables: Record<string, readonly string[]> }): string {
  return query
    .replace(/\$timeFilter|\$__timeFilter/g, `time > now() - ${options.range}`)
    .replace(/\$__interval\b/g, options.interval)
    .replace(/\$\{(\w+)\}|\[\[(\w+)\]\]|\$(\w+)/g, (whole, a?: string, b?: string, c?: string) => {
      const name = a ?? b ?? c ?? '';
      const values = options.variables[name];
      return values ? regexValue(values) : whole;
    });
}
