using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FlowConnectors.Persistence.Migrations.Postgres
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
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ClaimedUntil",
                table: "Timers",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RunBy",
                table: "JournalEntries",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ClaimedBy",
                table: "InboxMessages",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ClaimedUntil",
                table: "InboxMessages",
                type: "timestamp with time zone",
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
