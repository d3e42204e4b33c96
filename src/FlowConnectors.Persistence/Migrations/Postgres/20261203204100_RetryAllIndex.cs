using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FlowConnectors.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RetryAllIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "FaultNodeId",
                table: "Instances",
                type: "text",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Instances_Status_FlowId_FaultNodeId_UpdatedAt",
                table: "Instances",
                columns: new[] { "Status", "FlowId", "FaultNodeId", "UpdatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Instances_Status_FlowId_FaultNodeId_UpdatedAt",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "FaultNodeId",
                table: "Instances");
        }
    }
}
