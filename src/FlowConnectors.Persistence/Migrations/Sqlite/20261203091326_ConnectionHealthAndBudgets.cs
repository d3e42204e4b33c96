using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FlowConnectors.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ConnectionHealthAndBudgets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LastTestedAt",
                table: "Connections",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RefreshLeaseExpiresAt",
                table: "Connections",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RefreshLeaseOwner",
                table: "Connections",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "RateBudgets",
                columns: table => new
                {
                    Key = table.Column<string>(type: "TEXT", nullable: false),
                    GrantsJson = table.Column<string>(type: "TEXT", nullable: false),
                    PausedUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    WaitingJson = table.Column<string>(type: "TEXT", nullable: true),
                    Revision = table.Column<long>(type: "INTEGER", nullable: false)
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
