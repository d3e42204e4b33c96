using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Catalog;

public static class CatalogServices
{
    /// <summary>
    /// The catalog's rules (<see cref="ConnectorCatalog"/>) and a server's catalog (<see cref="CatalogService"/>). The host
    /// registers where the catalog lives (<see cref="ICatalogStore"/>: the database through persistence) and what it
    /// installs into (<see cref="ICatalogInstallTarget"/>).
    /// </summary>
    public static IServiceCollection AddFlowCatalog(this IServiceCollection services)
    {
        services.AddSingleton(sp => new ConnectorCatalog(sp.GetRequiredService<ICatalogStore>()));
        services.AddSingleton<CatalogService>();
        return services;
    }
}
