/** The SQL Server dialect of every store role; the only package that speaks T-SQL and SQL Server's error numbers. */
package dev.snapshotsidecar.store.sqlserver;
