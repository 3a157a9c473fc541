package dev.snapshotsidecar.track;

/** Why a snapshot was requested, or (ERASE) why a stream's snapshots are to be deleted. */
public enum RequestReason { THRESHOLD, SCHEDULED, IDLE, MANUAL, REBUILD, ERASE }
