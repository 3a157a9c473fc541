/** The PostgreSQL dialect of every store role; the only package that speaks PostgreSQL's SQL and error codes. */
package dev.snapshotsidecar.store.postgres;
