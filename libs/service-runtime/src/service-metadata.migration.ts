import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first migration of every control-plane service: a small key-value table in the service's
 * own schema that records which Cube version last started against it.
 */
export class ServiceMetadata1764150000000 implements MigrationInterface {
  name = 'ServiceMetadata1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(
      `CREATE TABLE "${schema}"."service_metadata" (
        "key" varchar(128) PRIMARY KEY,
        "value" jsonb NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${schemaOf(queryRunner)}"."service_metadata"`);
  }
}

function schemaOf(queryRunner: QueryRunner): string {
  const options = queryRunner.connection.options as { schema?: string };
  if (!options.schema) throw new Error('the service data source has no schema');
  return options.schema;
}
