using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FlowConnectors.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Retention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "IncidentCounted",
                table: "Instances",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "Incidents",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    FlowId = table.Column<string>(type: "text", nullable: false),
                    NodeId = table.Column<string>(type: "text", nullable: false),
                    ActivityType = table.Column<string>(type: "text", nullable: true),
                    Message = table.Column<string>(type: "text", nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false),
                    FirstAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastInstanceId = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Incidents", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Instances_Status_IncidentCounted",
                table: "Instances",
                columns: new[] { "Status", "IncidentCounted" });

            migrationBuilder.CreateIndex(
                name: "IX_Instances_Status_UpdatedAt",
                table: "Instances",
                columns: new[] { "Status", "UpdatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Incidents_FlowId_LastAt",
                table: "Incidents",
                columns: new[] { "FlowId", "LastAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Incidents_LastAt",
                table: "Incidents",
                column: "LastAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Incidents");

            migrationBuilder.DropIndex(
                name: "IX_Instances_Status_IncidentCounted",
                table: "Instances");

            migrationBuilder.DropIndex(
                name: "IX_Instances_Status_UpdatedAt",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "IncidentCounted",
                table: "Instances");
        }
    }
}
