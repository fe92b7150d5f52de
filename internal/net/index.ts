/**
 * Network rules shared by the HTTP and federation listeners and by the configs: reading `host:port`
 * addresses, host names and origins, and the time limits of a listener before a request is under way.
 */
export {
  addressProblem,
  hostNameProblem,
  originProblem,
  parseListenAddr,
  type AddressUse,
  type ListenAddress,
} from './address.js';
export { listenerTimeoutOptions, type ListenerTimeouts } from './listener-timeouts.js';
