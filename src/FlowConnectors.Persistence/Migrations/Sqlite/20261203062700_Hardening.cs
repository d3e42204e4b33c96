using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FlowConnectors.Persistence.Migrations.Sqlite
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
                type: "INTEGER",
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
