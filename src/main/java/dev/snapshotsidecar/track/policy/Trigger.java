package dev.snapshotsidecar.track.policy;

/** What made the tracker look at a stream: one of its events, the periodic scan, or a scheduled sweep. */
public enum Trigger { EVENT, SCAN, SWEEP }
