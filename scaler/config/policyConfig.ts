import { z } from 'zod';
import { ConfigError, parseByteSize } from '../../common/env.js';
import { nearestName } from './nearestName.js';

const MiB = 2 ** 20;

/** A byte size given as a number of bytes or a string with a unit (`512MiB`, `1GB`). */
const byteSize = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes = typeof value === 'number' ? value : parseByteSize(value);
  if (bytes === undefined || !Number.isFinite(bytes) || bytes <= 0) {
    ctx.addIssue({ code: 'custom', message: `not a positive byte size: ${String(value)} (e.g. 268435456, 256MiB, 1GB)` });
    return z.NEVER;
  }
  return bytes;
});

const seconds = (fallback: number) => z.number().min(0).max(86_400).default(fallback);

/**
 * The scaling policy of one service. Every field has a default, so `{}` is a valid config; a
 * file or container labels override what they name. Units are in the names: seconds, cores,
 * bytes, fractions (0..1) of the CPU limit.
 */
export const policyConfigSchema = z
  .object({
    /** Which horizontal policy decides: ours, or the Kubernetes HPA rule (as a baseline). */
    policy: z.enum(['adaptive', 'hpa']).default('adaptive'),
    replicas: z
      .object({
        min: z.number().int().min(1).default(1),
        max: z.number().int().min(1).max(1000).default(10),
      })
      .strict()
      .prefault({}),
    /** CPU limit bounds per replica, in cores. */
    cpu: z
      .object({
        minCores: z.number().positive().default(0.1),
        maxCores: z.number().positive().default(2),
        /**
         * On an idle service, the vertical bridge moves its limit between two sizes above the base
         * in steps of at least this (a return to the base is always made): hundredths of a core are
         * noise there, such as the CPU of Docker's healthcheck exec in a 0.1-core container. A
         * loaded service gets every hundredth (`verticalBridge.ts`).
         */
        bridgeStepCores: z.number().min(0).max(2).default(0.05),
      })
      .strict()
      .prefault({}),
    /** Memory limit bounds per replica. */
    memory: z
      .object({
        minBytes: byteSize.default(64 * MiB),
        maxBytes: byteSize.default(2048 * MiB),
      })
      .strict()
      .prefault({}),
    targets: z
      .object({
        /** CPU used as a fraction of the CPU limit (the HPA's averageUtilization / 100). */
        cpuUtilisation: z.number().gt(0).max(1).default(0.7),
        /**
         * The adaptive policy's target. Higher than the HPA's because its headroom only has to
         * last one evaluation (5 s: the vertical bridge adds cores at once) instead of a metric
         * window, a sync period and a start-up delay (≈ 60 s): 20% instead of 30%.
         */
        adaptiveUtilisation: z.number().gt(0).max(1).default(0.8),
        /**
         * Adaptive policy, replicas: headroom β for the busy second by square-root staffing: a busy
         * second worth R replicas at full capacity needs R + β√R of them (0.3: 82% at 2, 90% at 8, 95% at 32).
         */
        burstHeadroom: z.number().min(0).max(5).default(0.3),
        /**
         * Adaptive policy, vertical bridge: the same headroom for the busy second and the newest
         * busy second on the ready replicas (0.4: 78% at 2, 88% at 8, 93% at 32). The bridge is sized
         * in hundredths of a core; whole replicas round up, which is headroom too.
         */
        bridgeHeadroom: z.number().min(0).max(5).default(0.4),
        /** Requests per second one replica should carry; unset = derived from CPU cost per request. */
        rpsPerReplica: z.number().positive().optional(),
        /** The latency objective: p95 above this is an SLO violation. */
        p95LatencyMs: z.number().positive().default(500),
        /**
         * Adaptive policy: the lowest factor measured p95 latency may apply to the capacity per
         * replica it plans with (0.5: at most twice the replicas); 1 turns latency feedback off.
         */
        latencyCorrectionFloor: z.number().gt(0).max(1).default(0.5),
        /** For queue workers: jobs waiting per worker replica; unset = not a queue worker. */
        queueDepthPerReplica: z.number().positive().optional(),
      })
      .strict()
      .prefault({}),
    windows: z
      .object({
        /** The mean the adaptive policy trusts (Knative's stable window). */
        stableSeconds: seconds(60),
        /** The short window that detects spikes (Knative's panic window, 10% of stable). */
        panicSeconds: seconds(6),
        /** HPA: highest recommendation of this window wins on the way down; also the flap window. */
        scaleDownStabilisationSeconds: seconds(300),
        /** The span a CPU sample averages over (metrics-server resolution). */
        metricSeconds: seconds(15),
      })
      .strict()
      .prefault({}),
    cooldowns: z
      .object({
        /** Minimum time after a scale-out before the adaptive policy removes a replica. */
        afterScaleOutSeconds: seconds(300),
        /** Minimum time between two scale-in steps. */
        betweenScaleInSeconds: seconds(15),
      })
      .strict()
      .prefault({}),
    /** Time from asking for a replica to it serving traffic (image start + warm-up). */
    startupSeconds: seconds(30),
    /** How often the loop evaluates the adaptive policy (the HPA rule keeps its own 15 s). */
    evaluationSeconds: z.number().positive().max(3600).default(5),
    /**
     * How often the adaptive policy's vertical bridge is re-sized, between evaluations (a CPU
     * limit applies at once, so the bridge need not wait for the replica rule); at least at every
     * evaluation whatever this says.
     */
    bridgeSeconds: z.number().int().min(1).max(3600).default(1),
    /** HPA: no change while |metric/target - 1| is within this. */
    tolerance: z.number().min(0).max(1).default(0.1),
    vertical: z
      .object({
        /** Percentile of recent usage the recommendation starts from (VPA uses p90). */
        percentile: z.number().gt(0).max(1).default(0.9),
        /** Safety margin added on top (VPA: 15%). */
        marginFraction: z.number().min(0).max(5).default(0.15),
        /** After an OOM kill memory grows to at least usage × this factor (VPA: 1.2)... */
        oomBumpFactor: z.number().min(1).default(1.2),
        /** ...and by at least this much (VPA: 100 MiB). */
        oomMinBumpBytes: byteSize.default(100 * MiB),
        /** Changes smaller than this fraction of the current limit are not worth a restart. */
        minChangeFraction: z.number().min(0).max(1).default(0.1),
        /** Absolute floors below which no recommendation goes (VPA: 25 millicores). */
        floorCpuCores: z.number().positive().default(0.025),
        floorMemoryBytes: byteSize.default(32 * MiB),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.replicas.min > config.replicas.max) {
      ctx.addIssue({ code: 'custom', path: ['replicas', 'max'], message: `must be >= replicas.min (${config.replicas.min})` });
    }
    if (config.cpu.minCores > config.cpu.maxCores) {
      ctx.addIssue({ code: 'custom', path: ['cpu', 'maxCores'], message: `must be >= cpu.minCores (${config.cpu.minCores})` });
    }
    if (config.memory.minBytes > config.memory.maxBytes) {
      ctx.addIssue({ code: 'custom', path: ['memory', 'maxBytes'], message: `must be >= memory.minBytes (${config.memory.minBytes})` });
    }
  });

export type PolicyConfig = z.infer<typeof policyConfigSchema>;
export type PolicyConfigInput = z.input<typeof policyConfigSchema>;

/** A ConfigError: a bad config file or flag stops a command with exit code 2 and this one line. */
export class PolicyConfigError extends ConfigError {
  override name = 'PolicyConfigError';
  constructor(
    message: string,
    /** One entry per problem: the field (dotted path, or label name) and what is wrong. */
    readonly problems: { field: string; message: string }[],
  ) {
    super(message);
  }
}

/** Validates a config object; throws a PolicyConfigError whose message names every bad field. */
export function parsePolicyConfig(input: unknown, source = 'policy config'): PolicyConfig {
  const parsed = policyConfigSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? unknownKeyProblems(issue.path, issue.keys) : [{ field: issue.path.length > 0 ? issue.path.join('.') : '(root)', message: issue.message }]));
  throw new PolicyConfigError(`invalid ${source}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
}

/**
 * One problem per unknown key, named by its full path (`replicas.mni`: zod names the object that
 * holds it), with the key meant when one of that object's is near (`did you mean replicas.min?`).
 */
function unknownKeyProblems(path: readonly PropertyKey[], keys: readonly string[]): { field: string; message: string }[] {
  const known = keysAt(path).map((key) => ({ name: key, value: [...path, key].join('.') }));
  return keys.map((key) => {
    const meant = nearestName(key, known);
    // A key with no letters, or with dots or spaces in it, is quoted: `replicas.""`, `"a.b"`.
    const named = /^[\w$-]+$/.test(key) ? key : JSON.stringify(key);
    return { field: [...path, named].join('.'), message: `Unrecognized key${meant === undefined ? '' : ` (did you mean ${meant}?)`}` };
  });
}

/** The keys the schema knows for the object at `path` (none when the path leads elsewhere). */
function keysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = policyConfigSchema;
  for (const key of path) {
    const shape = objectShape(schema);
    const next = shape?.[String(key)];
    if (next === undefined) return [];
    schema = next;
  }
  return Object.keys(objectShape(schema) ?? {});
}

/** The shape of an object schema, looked for under its defaults and prefaults. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  if (schema instanceof z.ZodObject) return schema.shape as Record<string, z.ZodType>;
  if (schema instanceof z.ZodPrefault || schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) return objectShape(schema.unwrap() as z.ZodType);
  return undefined;
}

export const defaultPolicyConfig: PolicyConfig = parsePolicyConfig({});
