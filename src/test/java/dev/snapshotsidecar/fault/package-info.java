/** The fault-injection suite: real parts under faults, checked by an oracle aggregate of the suite's own. */
package dev.snapshotsidecar.fault;
