/**
 * The image's HEALTHCHECK. The same image runs the app (health on PORT) or a worker (health on
 * WORKER_METRICS_PORT); whichever answers 200 on /healthz within the timeout makes it healthy.
 * Written in Node because the image has no shell and no curl.
 */
const ports = [process.env.PORT ?? '8080', process.env.WORKER_METRICS_PORT ?? '9465'];
const probes = ports.map((port) =>
  fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2500) }).then((response) => {
    if (!response.ok) throw new Error(`port ${port}: ${response.status}`);
  }),
);
Promise.any(probes).then(
  () => process.exit(0),
  () => process.exit(1),
);
