import { readFileSync, statSync } from 'node:fs';

/**
 * The settings that carry a secret, each of which may be given as a file instead:
 * `INFLUX_PASSWORD_FILE=/run/secrets/influx_password` reads INFLUX_PASSWORD from that file. It is
 * the convention of Docker's and Swarm's secrets (and of the official images: POSTGRES_PASSWORD_FILE,
 * DOCKER_INFLUXDB_INIT_PASSWORD_FILE): a variable shows in `docker service inspect` and
 * `docker inspect` to whoever may look at the service; a secret's file is mounted in the container
 * alone. REDIS_URL is one of them: a Redis that asks for a password is reached as
 * `redis://:password@host:6379`, and the whole URL is then the secret.
 */
export const SECRET_SETTINGS = ['INFLUX_PASSWORD', 'INFLUX_TOKEN', 'REDIS_URL'] as const;

/**
 * A password, a token or a URL is a few hundred bytes at most: a bigger file is the wrong file
 * (a certificate bundle, a dump), refused rather than sent to InfluxDB in every request header.
 */
export const SECRET_FILE_MAX_BYTES = 64 * 1024;

/** The variable that names the file of `setting`: `INFLUX_PASSWORD` → `INFLUX_PASSWORD_FILE`. */
export const fileVariable = (setting: string): string => `${setting}_FILE`;

/**
 * The lines of a command's `--help` that say its secret settings may come from files:
 * `INFLUX_PASSWORD_FILE=/run/secrets/<name> instead of INFLUX_PASSWORD, likewise INFLUX_TOKEN_FILE`.
 */
export function secretFilesHelp(settings: readonly [string, ...string[]]): string {
  const [first, ...others] = settings;
  const likewise = others.length > 0 ? `, likewise ${others.map(fileVariable).join(', ')}` : '';
  return [
    '',
    `Secrets as files (Docker/Swarm secrets): ${fileVariable(first)}=/run/secrets/<name> instead of ${first}${likewise};`,
    "trailing newlines in the file are dropped; a variable and its _FILE both set is refused.",
  ].join('\n');
}

/**
 * Where the value a command received for a setting came from, when a flag sets it too
 * (commander's option value source): `cli`, given on the command line; `default`, the flag's
 * default, which nobody set; anything else, the operator's environment.
 */
export type SettingSource = 'cli' | 'default' | 'env' | undefined;

/**
 * `env` with each secret setting of `settings` whose `_FILE` variable is set read from its file,
 * or the problems that stop the command (exit 2). A flag given on the command line wins over the
 * file, as it wins over the variable; a flag's default gives way to it. The variable and its file
 * both set is refused, not settled by a rule the operator would have to look up: one of them is a
 * leftover. No problem quotes what a file holds, only its path: the message goes to logs.
 */
export function withSecretFiles(
  env: Readonly<Record<string, string | undefined>>,
  settings: readonly string[],
  sourceOf: (setting: string) => SettingSource = () => undefined,
  read: (variable: string, path: string) => SecretRead = readSecretFile,
): { env: Record<string, string | undefined>; problems: string[] } {
  const resolved: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  for (const setting of settings) {
    const variable = fileVariable(setting);
    const path = env[variable];
    if (path === undefined || path === '') continue;
    const source = sourceOf(setting);
    if (source === 'cli') continue;
    const value = source === 'default' ? undefined : env[setting];
    if (value !== undefined && value !== '') {
      problems.push(`${setting} and ${variable} are both set: set one (the value, or the file that holds it)`);
      continue;
    }
    const fromFile = read(variable, path);
    if ('problem' in fromFile) problems.push(fromFile.problem);
    else resolved[setting] = fromFile.value;
  }
  return { env: resolved, problems };
}

export type SecretRead = { readonly value: string } | { readonly problem: string };

/**
 * The secret in `path`, the file `variable` names: without its trailing line breaks (a file
 * written by `echo` or an editor, or `echo pw | docker secret create`, ends with one, which no
 * password means to hold). It must be a readable regular file (not a folder, nor a device or a
 * pipe, which could block or never end) of at most SECRET_FILE_MAX_BYTES, and not empty: an empty
 * secret is one created by mistake, and as a value it would mean "unset" and fall back, silently,
 * to a default such as a Redis on localhost.
 */
export function readSecretFile(variable: string, path: string): SecretRead {
  const problem = (text: string) => ({ problem: `${variable}: ${text}` });
  let text: string;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) return problem(`not a file: ${path} is a folder`);
    if (!stats.isFile()) return problem(`not a regular file: ${path}`);
    if (stats.size > SECRET_FILE_MAX_BYTES) return problem(`${path} is ${stats.size} bytes, over the 64KiB a secret file may be`);
    const bytes = readFileSync(path);
    if (bytes.length > SECRET_FILE_MAX_BYTES) return problem(`${path} is over the 64KiB a secret file may be`);
    text = bytes.toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return problem(`no such file: ${path}`);
    return problem(`cannot read ${path}: ${FS_REASONS[code ?? ''] ?? code ?? (error as Error).message}`);
  }
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') return problem(`${path} is empty`);
  return { value };
}

const FS_REASONS: Record<string, string> = { EACCES: 'permission denied', EPERM: 'operation not permitted', ELOOP: 'too many symbolic links', ENAMETOOLONG: 'name too long', EISDIR: 'it is a folder' };
