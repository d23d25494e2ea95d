// One NAT topology for tests and benchmarks: routers, UPnP and the internet segment are built the same way.
export { createNatTopology, natTopologyMissing, type NatHostSpec, type NatTopology } from '../../bench/nat-topology.js'
