using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FlowConnectors.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CollectionGuards : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "AcceptedAt",
                table: "CollectionSources",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SuspiciousBelowPercent",
                table: "CollectionSources",
                type: "INTEGER",
                nullable: false,
                defaultValue: 50); // sources made before the guard get its default (the model has none: 0 turns it off)

            migrationBuilder.AddColumn<long>(
                name: "ConfirmedAt",
                table: "CollectionRuns",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Users",
                table: "CollectionRuns",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Warning",
                table: "CollectionRuns",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AcceptedAt",
                table: "CollectionSources");

            migrationBuilder.DropColumn(
                name: "SuspiciousBelowPercent",
                table: "CollectionSources");

            migrationBuilder.DropColumn(
                name: "ConfirmedAt",
                table: "CollectionRuns");

            migrationBuilder.DropColumn(
                name: "Users",
                table: "CollectionRuns");

            migrationBuilder.DropColumn(
                name: "Warning",
                table: "CollectionRuns");
        }
    }
}
