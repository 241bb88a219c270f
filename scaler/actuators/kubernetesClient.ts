import { createConfiguration, IsomorphicFetchHttpLibrary, type KubeConfig, type RequestContext, ServerConfiguration, wrapHttpLibrary } from '@kubernetes/client-node';
import { PLATFORM_TIMEOUT_SETTING, platformRequestFailure } from './platformDeadlineError.js';

/**
 * An API client of the current cluster, as `KubeConfig.makeApiClient` makes it, whose every
 * request is aborted `deadlineMs` after it is sent. The client applies no timeout of its own, so
 * an API server (or a proxy before it) that took a request and never answered held the scaler's
 * tick for good, every service's, and a SIGTERM waited on it. The deadline is set where the request
 * is sent (the HTTP library), after every middleware, the patches' own Content-Type ones included;
 * there too its failure is named: the client's own words are node-fetch's "The user aborted a
 * request.", which says neither what was asked nor of whom.
 */
export function apiClientWithDeadline<T>(kubeConfig: KubeConfig, apiType: new (configuration: ReturnType<typeof createConfiguration>) => T, deadlineMs: number): T {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  const dependency = `Kubernetes API server at ${cluster.server}`;
  const fetching = new IsomorphicFetchHttpLibrary();
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    httpApi: wrapHttpLibrary({
      send: async (request: RequestContext) => {
        const deadline = AbortSignal.timeout(deadlineMs);
        request.setSignal(deadline);
        try {
          return await fetching.send(request).toPromise();
        } catch (error) {
          // Errors here are the request's own (an answer, even a 500, is not thrown until later).
          throw platformRequestFailure(error, { dependency, request: kubernetesRequestName(request.getHttpMethod(), request.getUrl()), deadlineMs, setting: PLATFORM_TIMEOUT_SETTING, timedOut: deadline.aborted });
        }
      },
    }),
  });
  return new apiType(configuration);
}

/**
 * `PATCH /apis/apps/v1/namespaces/shop/deployments/web/scale`, or for a list
 * `GET /apis/apps/v1/namespaces/shop/deployments?labelSelector=scalewright.managed=true,scalewright.service=web`:
 * the selector is what says which service was asked for.
 */
export function kubernetesRequestName(method: string, url: string): string {
  const parsed = new URL(url);
  const query = [...parsed.searchParams].map(([key, value]) => `${key}=${value}`).join('&');
  return `${method} ${parsed.pathname}${query ? `?${query}` : ''}`;
}
