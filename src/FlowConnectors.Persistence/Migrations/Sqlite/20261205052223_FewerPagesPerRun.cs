using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FlowConnectors.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class FewerPagesPerRun : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Instances_CorrelationId",
                table: "Instances");

            // The journal table rebuilt without AUTOINCREMENT, written out instead of EF's AlterColumn: EF's rebuild switches
            // foreign keys off with a PRAGMA, which cannot run in a transaction, so the upgrade was not atomic (and every
            // first start logged EF's "partially applied" warning). Here the whole migration is one transaction. Nothing
            // references the journal, so dropping it with foreign keys on is allowed; entries of an instance that no longer
            // exists (unreachable, and refused by the foreign key) are not copied.
            migrationBuilder.Sql("""
                CREATE TABLE "ef_temp_JournalEntries" (
                    "Id" INTEGER NOT NULL CONSTRAINT "PK_JournalEntries" PRIMARY KEY,
                    "ActivityType" TEXT NOT NULL,
                    "DurationMs" REAL NOT NULL,
                    "Error" TEXT NULL,
                    "InputsJson" TEXT NULL,
                    "InstanceId" TEXT NOT NULL,
                    "NodeId" TEXT NOT NULL,
                    "Outcome" TEXT NULL,
                    "OutputsJson" TEXT NULL,
                    "RunBy" TEXT NULL,
                    "Sequence" INTEGER NOT NULL,
                    "StartedAt" INTEGER NOT NULL,
                    CONSTRAINT "FK_JournalEntries_Instances_InstanceId" FOREIGN KEY ("InstanceId") REFERENCES "Instances" ("Id") ON DELETE CASCADE
                );
                """);
            migrationBuilder.Sql("""
                INSERT INTO "ef_temp_JournalEntries" ("Id", "ActivityType", "DurationMs", "Error", "InputsJson", "InstanceId", "NodeId", "Outcome", "OutputsJson", "RunBy", "Sequence", "StartedAt")
                SELECT "Id", "ActivityType", "DurationMs", "Error", "InputsJson", "InstanceId", "NodeId", "Outcome", "OutputsJson", "RunBy", "Sequence", "StartedAt"
                FROM "JournalEntries" WHERE "InstanceId" IN (SELECT "Id" FROM "Instances");
                """);
            migrationBuilder.Sql("""DROP TABLE "JournalEntries";""");
            migrationBuilder.Sql("""ALTER TABLE "ef_temp_JournalEntries" RENAME TO "JournalEntries";""");
            migrationBuilder.Sql("""CREATE UNIQUE INDEX "IX_JournalEntries_InstanceId_Sequence" ON "JournalEntries" ("InstanceId", "Sequence");""");

            migrationBuilder.CreateIndex(
                name: "IX_Instances_CorrelationId",
                table: "Instances",
                column: "CorrelationId",
                filter: "\"CorrelationId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Instances_CorrelationId",
                table: "Instances");

            migrationBuilder.AlterColumn<long>(
                name: "Id",
                table: "JournalEntries",
                type: "INTEGER",
                nullable: false,
                oldClrType: typeof(long),
                oldType: "INTEGER")
                .Annotation("Sqlite:Autoincrement", true);

            migrationBuilder.CreateIndex(
                name: "IX_Instances_CorrelationId",
                table: "Instances",
                column: "CorrelationId");
        }
    }
}
