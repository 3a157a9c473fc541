-- Prepares a SQL Server database for snapshot-sidecar: the event store schema, the events and snapshots tables
-- (skipped when they exist), change data capture on the events table, and the logins Debezium and the sidecar use.
-- Run it as a member of sysadmin (CDC is enabled per database by sysadmin), with the SQL Server Agent running:
--   sqlcmd -S localhost -U sa -P "$SA_PASSWORD" -C -v CDC_PASSWORD="..." SIDECAR_PASSWORD="..." -i connect/enable-cdc.sql
-- Needs SQL Server 2016 SP1 or later (CDC in every edition). Safe to run again.

IF DB_ID(N'Clinical') IS NULL CREATE DATABASE Clinical;
GO
USE Clinical;
GO
IF SCHEMA_ID(N'event_store') IS NULL EXEC (N'CREATE SCHEMA event_store');
GO
IF OBJECT_ID(N'event_store.events', N'U') IS NULL
CREATE TABLE event_store.events (
  global_position BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY,
  stream_id NVARCHAR(500) NOT NULL,
  stream_version INT NOT NULL,
  event_type NVARCHAR(500) NOT NULL,
  event_data NVARCHAR(MAX) NOT NULL,
  metadata NVARCHAR(MAX) NULL,
  created_at DATETIME2 NOT NULL DEFAULT SYSUTCDATETIME(),
  CONSTRAINT UQ_events_stream_version UNIQUE (stream_id, stream_version));
GO
IF OBJECT_ID(N'event_store.snapshots', N'U') IS NULL
BEGIN
  CREATE TABLE event_store.snapshots (
    stream_id NVARCHAR(500) NOT NULL,
    stream_version INT NOT NULL,
    aggregate_type NVARCHAR(500) NOT NULL,
    snapshot_data NVARCHAR(MAX) NOT NULL,
    schema_version INT NOT NULL DEFAULT 1,
    created_at DATETIME2 NOT NULL DEFAULT SYSUTCDATETIME(),
    CONSTRAINT PK_snapshots PRIMARY KEY (stream_id, stream_version));
  CREATE INDEX IX_snapshots_stream_latest ON event_store.snapshots (stream_id, stream_version DESC);
END
GO
-- Change data capture: the database, then the events table. Debezium reads the capture instance's change table.
IF (SELECT is_cdc_enabled FROM sys.databases WHERE name = N'Clinical') = 0
  EXEC sys.sp_cdc_enable_db;
GO
IF NOT EXISTS (SELECT 1 FROM cdc.change_tables WHERE source_object_id = OBJECT_ID(N'event_store.events'))
  EXEC sys.sp_cdc_enable_table
       @source_schema = N'event_store',
       @source_name = N'events',
       @role_name = NULL,
       @supports_net_changes = 0;
GO
-- Debezium's login: reads the change tables (db_owner is the simple choice CDC documents; narrow it if you can).
IF SUSER_ID(N'sidecar_cdc') IS NULL CREATE LOGIN sidecar_cdc WITH PASSWORD = N'$(CDC_PASSWORD)', CHECK_POLICY = OFF;
GO
IF USER_ID(N'sidecar_cdc') IS NULL CREATE USER sidecar_cdc FOR LOGIN sidecar_cdc;
ALTER ROLE db_owner ADD MEMBER sidecar_cdc;
GO
-- The sidecar's login: reads events, writes and prunes snapshots, nothing else.
IF SUSER_ID(N'snapshot_sidecar') IS NULL
  CREATE LOGIN snapshot_sidecar WITH PASSWORD = N'$(SIDECAR_PASSWORD)', CHECK_POLICY = OFF;
GO
IF USER_ID(N'snapshot_sidecar') IS NULL CREATE USER snapshot_sidecar FOR LOGIN snapshot_sidecar;
GRANT SELECT ON event_store.events TO snapshot_sidecar;
GRANT SELECT, INSERT, UPDATE, DELETE ON event_store.snapshots TO snapshot_sidecar;  -- UPDATE: the MERGE replaces a row of an older schema version
-- The sidecar's start-up check reads which columns each capture instance records (metadata, no change data).
GRANT SELECT ON cdc.change_tables TO snapshot_sidecar;
GRANT SELECT ON cdc.captured_columns TO snapshot_sidecar;
GO
-- Optional, for the start-up check of the Agent and of the CDC jobs (without them it says it could not check):
--   USE master; GRANT VIEW SERVER STATE TO snapshot_sidecar;
--   USE msdb; CREATE USER snapshot_sidecar FOR LOGIN snapshot_sidecar; GRANT SELECT ON dbo.cdc_jobs TO snapshot_sidecar;
