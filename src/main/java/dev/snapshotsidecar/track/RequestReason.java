package dev.snapshotsidecar.track;

/** Why a snapshot was requested. */
public enum RequestReason { THRESHOLD, SCHEDULED, MANUAL, REBUILD }
