using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace FlowConnectors.Persistence.Data;

// Used only by `dotnet ef migrations add` (see Migrations/README.md); the connection strings are
// never opened while generating a migration.

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteDbContext>
{
    public SqliteDbContext CreateDbContext(string[] args) =>
        new(PersistenceServices.Configure(new DbContextOptionsBuilder<SqliteDbContext>(), PersistenceOptions.Sqlite("design-time.db")).Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresDbContext>
{
    public PostgresDbContext CreateDbContext(string[] args) =>
        new(PersistenceServices.Configure(new DbContextOptionsBuilder<PostgresDbContext>(),
            PersistenceOptions.Postgres("Host=127.0.0.1;Port=5432;Database=flowconnectors;Username=postgres")).Options);
}
