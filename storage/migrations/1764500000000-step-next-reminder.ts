import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

// Issue 9: the reminder tick reads only the steps whose next reminder is due, by an index, instead of
// every overdue step. next_reminder_at is set when a step starts pending with a due time, advanced by
// each reminder (working-hours calendar) and cleared when the step leaves pending.
//
// Backfill: the migration knows neither the calendar nor the reminder interval, so open steps get a
// lower bound of their next reminder: the due time, or the last reminder's time (the next one is
// later than that). A lower bound never loses a reminder; the first tick after the upgrade reads each
// such step once and advances it to its exact next reminder without sending anything.
export class StepNextReminder1764500000000 implements MigrationInterface {
  name = 'StepNextReminder1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('approval_step', new TableColumn({ name: 'next_reminder_at', type: 'bigint', isNullable: true }));
    await queryRunner.query(
      "UPDATE approval_step SET next_reminder_at = COALESCE(last_reminded_at, due_at) WHERE status = 'pending' AND due_at IS NOT NULL",
    );
    await queryRunner.createIndex(
      'approval_step',
      new TableIndex({ name: 'IDX_approval_step_next_reminder', columnNames: ['status', 'next_reminder_at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('approval_step', 'IDX_approval_step_next_reminder');
    await queryRunner.dropColumn('approval_step', 'next_reminder_at');
  }
}
