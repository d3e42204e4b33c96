using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FlowConnectors.Persistence.Migrations.IdentityPostgres
{
    /// <inheritdoc />
    public partial class ConnectionSharing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ConnectionOwners",
                columns: table => new
                {
                    ConnectionId = table.Column<string>(type: "text", nullable: false),
                    OwnerId = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConnectionOwners", x => x.ConnectionId);
                });

            migrationBuilder.CreateTable(
                name: "ConnectionShares",
                columns: table => new
                {
                    ConnectionId = table.Column<string>(type: "text", nullable: false),
                    Kind = table.Column<string>(type: "text", nullable: false),
                    Principal = table.Column<string>(type: "text", nullable: false),
                    Right = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConnectionShares", x => new { x.ConnectionId, x.Kind, x.Principal });
                });

            migrationBuilder.CreateIndex(
                name: "IX_ConnectionOwners_OwnerId",
                table: "ConnectionOwners",
                column: "OwnerId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ConnectionOwners");

            migrationBuilder.DropTable(
                name: "ConnectionShares");
        }
    }
}
