import { createConfiguration, type KubeConfig, type RequestContext, type ResponseContext, ServerConfiguration } from '@kubernetes/client-node';

/**
 * An API client of the current cluster, as `KubeConfig.makeApiClient` makes it, whose every
 * request is aborted `deadlineMs` after it is sent. The client applies no timeout of its own, so
 * an API server (or a proxy before it) that took a request and never answered held the scaler's
 * tick for good, every service's, and a SIGTERM waited on it. The signal is set by a middleware
 * on each request (`RequestContext.setSignal`, which the client's fetch passes on); the calls that
 * add their own middleware (the patches' Content-Type) append to it, so it covers them too.
 */
export function apiClientWithDeadline<T>(kubeConfig: KubeConfig, apiType: new (configuration: ReturnType<typeof createConfiguration>) => T, deadlineMs: number): T {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [
      {
        pre: async (request: RequestContext) => {
          request.setSignal(AbortSignal.timeout(deadlineMs));
          return request;
        },
        post: async (response: ResponseContext) => response,
      },
    ],
  });
  return new apiType(configuration);
}
