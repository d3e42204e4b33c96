using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FlowConnectors.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ConnectionHealthAndBudgets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "LastTestedAt",
                table: "Connections",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RefreshLeaseExpiresAt",
                table: "Connections",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RefreshLeaseOwner",
                table: "Connections",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "RateBudgets",
                columns: table => new
                {
                    Key = table.Column<string>(type: "text", nullable: false),
                    GrantsJson = table.Column<string>(type: "text", nullable: false),
                    PausedUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    WaitingJson = table.Column<string>(type: "text", nullable: true),
                    Revision = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RateBudgets", x => x.Key);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RateBudgets");

            migrationBuilder.DropColumn(
                name: "LastTestedAt",
                table: "Connections");

            migrationBuilder.DropColumn(
                name: "RefreshLeaseExpiresAt",
                table: "Connections");

            migrationBuilder.DropColumn(
                name: "RefreshLeaseOwner",
                table: "Connections");
        }
    }
}
