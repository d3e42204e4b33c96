using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FlowConnectors.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Hardening : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "RunAttempts",
                table: "Instances",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "RunAttempts",
                table: "Instances");
        }
    }
}
