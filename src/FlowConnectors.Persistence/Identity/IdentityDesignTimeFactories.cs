using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace FlowConnectors.Persistence.Identity;

// Used only by `dotnet ef migrations add` (see Migrations/README.md); the connection strings are never opened.

internal sealed class SqliteIdentityDesignTimeFactory : IDesignTimeDbContextFactory<SqliteIdentityContext>
{
    public SqliteIdentityContext CreateDbContext(string[] args) =>
        new(IdentityDatabase.Configure(new DbContextOptionsBuilder<SqliteIdentityContext>(), PersistenceOptions.Sqlite("design-time.db")).Options);
}

internal sealed class PostgresIdentityDesignTimeFactory : IDesignTimeDbContextFactory<PostgresIdentityContext>
{
    public PostgresIdentityContext CreateDbContext(string[] args) =>
        new(IdentityDatabase.Configure(new DbContextOptionsBuilder<PostgresIdentityContext>(),
            PersistenceOptions.Postgres("Host=127.0.0.1;Port=5432;Database=flowconnectors;Username=postgres")).Options);
}
