using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FlowConnectors.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ClusterWork : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ClaimedBy",
                table: "Timers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ClaimedUntil",
                table: "Timers",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RunBy",
                table: "JournalEntries",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ClaimedBy",
                table: "InboxMessages",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ClaimedUntil",
                table: "InboxMessages",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ClaimedBy",
                table: "Timers");

            migrationBuilder.DropColumn(
                name: "ClaimedUntil",
                table: "Timers");

            migrationBuilder.DropColumn(
                name: "RunBy",
                table: "JournalEntries");

            migrationBuilder.DropColumn(
                name: "ClaimedBy",
                table: "InboxMessages");

            migrationBuilder.DropColumn(
                name: "ClaimedUntil",
                table: "InboxMessages");
        }
    }
}
