"""Export (Azure-only): copy studies, series and instances to Azure Blob Storage."""
