import { MigrationInterface, QueryRunner } from 'typeorm';
import { eventOutboxTable, eventOutboxTableSql } from '@cube/messaging';

/**
 * The hotplug catalog's custom components, platform defaults and per-cluster overrides, what each
 * cluster was last given (config generation) and its phase, and the event outbox.
 */
export class Hotplug1764200000000 implements MigrationInterface {
  name = 'Hotplug1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "hotplug"."custom_components" (
      "name" varchar(63) PRIMARY KEY,
      "namespace" varchar(63) NOT NULL,
      "description" varchar(2048) NOT NULL DEFAULT '',
      "bundle" text NOT NULL,
      "bundle_sha256" char(64) NOT NULL,
      "objects" integer NOT NULL,
      "created_by" varchar(256) NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      "version" integer NOT NULL DEFAULT 1
    )`);
    await q.query(`CREATE TABLE "hotplug"."component_defaults" (
      "component" varchar(63) PRIMARY KEY,
      "enabled" boolean NOT NULL,
      "values" jsonb NOT NULL,
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      "version" integer NOT NULL DEFAULT 1
    )`);
    await q.query(`CREATE TABLE "hotplug"."component_overrides" (
      "cluster" varchar(63) NOT NULL,
      "component" varchar(63) NOT NULL,
      "enabled" boolean,
      "values" jsonb,
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      "version" integer NOT NULL DEFAULT 1,
      PRIMARY KEY ("cluster", "component")
    )`);
    await q.query(`CREATE TABLE "hotplug"."cluster_components" (
      "cluster" varchar(63) NOT NULL,
      "component" varchar(63) NOT NULL,
      "generation" integer NOT NULL,
      "fingerprint" char(64) NOT NULL,
      "phase" varchar(16) NOT NULL,
      "message" varchar(4096) NOT NULL DEFAULT '',
      "observed_generation" integer,
      "running_generation" integer,
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY ("cluster", "component")
    )`);
    await q.query(eventOutboxTableSql(eventOutboxTable('hotplug')));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${eventOutboxTable('hotplug')}`);
    for (const table of ['cluster_components', 'component_overrides', 'component_defaults', 'custom_components'])
      await q.query(`DROP TABLE "hotplug"."${table}"`);
  }
}
