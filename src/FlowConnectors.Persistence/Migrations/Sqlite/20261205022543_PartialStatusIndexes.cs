using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FlowConnectors.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PartialStatusIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Instances_Status_IncidentCounted",
                table: "Instances");

            migrationBuilder.DropIndex(
                name: "IX_InboxMessages_Hash_Status",
                table: "InboxMessages");

            migrationBuilder.CreateIndex(
                name: "IX_Instances_Status_IncidentCounted",
                table: "Instances",
                columns: new[] { "Status", "IncidentCounted" },
                filter: "\"Status\" = 'Faulted'");

            migrationBuilder.CreateIndex(
                name: "IX_InboxMessages_Hash_Status",
                table: "InboxMessages",
                columns: new[] { "Hash", "Status" },
                filter: "\"Status\" = 'Waiting'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Instances_Status_IncidentCounted",
                table: "Instances");

            migrationBuilder.DropIndex(
                name: "IX_InboxMessages_Hash_Status",
                table: "InboxMessages");

            migrationBuilder.CreateIndex(
                name: "IX_Instances_Status_IncidentCounted",
                table: "Instances",
                columns: new[] { "Status", "IncidentCounted" });

            migrationBuilder.CreateIndex(
                name: "IX_InboxMessages_Hash_Status",
                table: "InboxMessages",
                columns: new[] { "Hash", "Status" });
        }
    }
}
