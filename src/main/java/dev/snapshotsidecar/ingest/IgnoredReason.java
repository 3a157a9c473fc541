package dev.snapshotsidecar.ingest;

/**
 * Why a well-formed change event moves no head. Events are append-only, so:
 * <ul>
 *   <li>{@link #UPDATE}: an event row was changed in place; versions did not move, nothing to do.</li>
 *   <li>{@link #DELETE} and {@link #TOMBSTONE}: an event row was deleted (erasure). The head keeps its maximum
 *       version; erasing the stream's snapshots is the lifecycle work of the policies issue.</li>
 *   <li>{@link #TRUNCATE}: the table was truncated; heads are kept, and a later insert at a lower version is a
 *       duplicate to them.</li>
 *   <li>{@link #MESSAGE}: a logical decoding message, not a row.</li>
 *   <li>{@link #UNTRACKED_TYPE}: an insert into a stream no configured aggregate type recognises.</li>
 * </ul>
 */
public enum IgnoredReason { UPDATE, DELETE, TOMBSTONE, TRUNCATE, MESSAGE, UNTRACKED_TYPE }
