// One netns helper for tests and benchmarks: the benchmark's swarm of hosts is built the same way.
export { createTopology, type Topology } from '../../bench/netns.js'
