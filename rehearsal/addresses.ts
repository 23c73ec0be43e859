/** Where a node listens and how clients reach the cluster: addresses and bootstrap strings. */
import type { ClusterState } from './state.js';

export function homeAddress(id: number): string {
  return `127.0.0.${id}`;
}
export function altAddress(id: number): string {
  return `127.0.0.${10 + id}`;
}

export function bootstrapOf(state: ClusterState): string {
  return state.brokers.map((b) => `${b.name}:${b.clientPort}`).join(',');
}
export function dnsServerOf(state: ClusterState): string {
  return `${state.dns.address}:${state.dns.port}`;
}
export function internalBootstrap(state: ClusterState): string {
  return state.brokers.map((b) => `${b.address}:${b.internalPort}`).join(',');
}
