/** When a stream is due a snapshot: the rules of an aggregate type's policy, pure functions of what they are shown. */
package dev.snapshotsidecar.track.policy;
