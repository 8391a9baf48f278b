"""Answers of the analytics (S-13..S-24), blockchain status (S-11, S-12) and performance (S-70..S-73) routes.
The ESG report's many figures no data supports are `null` (§1.7); its sections are typed one level deep."""

from __future__ import annotations

from pydantic import BaseModel

from triboka_api.api.schemas.common import Message

Figures = dict[str, float | int | None]


class ContractFigures(BaseModel):
    total: int
    by_status: dict[str, int]
    total_volume_mt: float
    fixed_volume_mt: float
    fixation_rate: float


class FixationFigures(BaseModel):
    total: int
    total_quantity_mt: float
    total_value_usd: float
    avg_spot_price_usd: float


class LotFigures(BaseModel):
    total: int
    by_status: dict[str, int]
    total_weight_kg: float


class TraceFigures(BaseModel):
    events: int
    lots_with_events: int
    coverage_pct: float


class ChainFigures(BaseModel):
    connected: bool
    registered_items: int


class SupplyChainMetrics(BaseModel):
    contracts: ContractFigures
    fixations: FixationFigures
    lots: LotFigures
    traceability: TraceFigures
    blockchain: ChainFigures


class SupplyChainReport(BaseModel):
    metrics: SupplyChainMetrics
    insights: list[str]
    generated_at: str


class EsgOverall(BaseModel):
    esg_score: float | None
    sustainability_rating: str | None
    last_updated: str
    improvement_areas: list[str]
    strengths: list[str]


class EsgMetrics(BaseModel):
    total_producers: int
    total_volume_mt: float
    contracts_completed: int
    traceability_coverage: float


class EsgReport(BaseModel):
    overall: EsgOverall
    environmental: dict[str, Figures]
    social: dict[str, Figures]
    governance: dict[str, Figures]
    metrics: EsgMetrics


class MarketTrend(BaseModel):
    current_price: float
    price_change_24h: float
    price_change_7d: float
    volatility: float
    trend_direction: str
    data_points: int


class Revenue(BaseModel):
    fixation_value_usd: float
    fixations: int
    fixed_quantity_mt: float


class Costs(BaseModel):
    lot_purchases_usd: float
    dispatch_costs_usd: float
    total_usd: float


class Profitability(BaseModel):
    gross_margin_usd: float
    margin_pct: float


class MarketInsights(BaseModel):
    current_price: float
    avg_contract_differential_usd: float


class FinancialAnalytics(BaseModel):
    revenue: Revenue
    costs: Costs
    profitability: Profitability
    price_trends: MarketTrend
    market_insights: MarketInsights


class FinancialReport(BaseModel):
    analytics: FinancialAnalytics
    recommendations: list[str]
    generated_at: str


class QualityAnalytics(BaseModel):
    lots_by_grade: dict[str, int]
    avg_quality_score: float | None
    avg_moisture_content: float | None
    measured_events: int


class QualityAlert(BaseModel):
    type: str
    lot_id: int | None
    moisture_pct: float | None
    message: str


class QualityReport(BaseModel):
    analytics: QualityAnalytics
    alerts: list[QualityAlert]
    generated_at: str


class BusinessToday(BaseModel):
    contracts_created: int
    fixations_created: int
    trace_events_created: int


class SystemHealth(BaseModel):
    database: str
    cache: str
    blockchain: str


class RealTimeData(BaseModel):
    timestamp: str
    performance: dict[str, float]
    business_today: BusinessToday
    system_health: SystemHealth


class RecentEvent(BaseModel):
    id: int
    event_type: str
    entity_type: str
    entity_id: str
    title: str | None
    event_timestamp: str


class RealTimeAlert(BaseModel):
    type: str
    message: str


class RealTime(BaseModel):
    real_time_data: RealTimeData
    recent_events: list[RecentEvent]
    alerts: list[RealTimeAlert]
    timestamp: str


class PeriodView(BaseModel):
    start_date: str
    end_date: str


class Overview(BaseModel):
    supply_chain: SupplyChainMetrics
    financial: FinancialAnalytics
    quality: QualityAnalytics
    real_time: RealTimeData
    period: PeriodView


class ContractMetricFigures(BaseModel):
    total_contracts: int
    total_quantity_mt: float
    total_fixed_mt: float
    total_remaining_mt: float
    total_value_usd: float
    avg_contract_value: float
    fixation_rate: float


class ContractMetrics(BaseModel):
    metrics: ContractMetricFigures


class FixationMetricFigures(BaseModel):
    total_fixations: int
    total_fixed_quantity_mt: float
    avg_fixation_price: float
    total_fixation_value: float
    fixation_timeline: dict[str, float]


class FixationMetrics(BaseModel):
    metrics: FixationMetricFigures


class GeneratedReport(BaseModel):
    """S-22: the report of `report_type` (its own keys: those of S-15, S-16, S-17 or, for `performance`, S-14)
    with the type, the period and the time it was made."""

    model_config = {"extra": "allow"}

    report_type: str
    period: PeriodView
    generated_at: str


class AnalyticsCacheStats(BaseModel):
    total_keys: int
    expired_keys_cleaned: int


class BlockchainStatus(BaseModel):
    connected: bool
    network: str | None
    chain_id: int | None
    account: str | None
    balance: float
    contracts_loaded: int
    contracts: list[str]
    simulation_mode: bool


class BlockchainTransaction(BaseModel):
    """S-12's item: none exists in a build without a chain (§1.7), the list is always empty."""

    tx_hash: str
    type: str
    timestamp: str


class RedisInfo(BaseModel):
    version: str | None
    uptime_days: float
    connected_clients: int | None
    used_memory_human: str | None
    total_connections_received: int | None


class RedisKeys(BaseModel):
    total_keys: int
    keys_by_pattern: dict[str, int]


class RedisCacheStats(BaseModel):
    redis_info: RedisInfo
    cache_stats: RedisKeys


class EndpointMetrics(BaseModel):
    requests: int
    server_errors: int
    by_status: dict[str, int]
    avg_latency_ms: float


class SystemMetrics(BaseModel):
    requests_total: int
    requests_in_flight: float
    db_pool_checked_out: float
    process_resident_memory_bytes: float | None
    process_cpu_seconds_total: float | None
    multiprocess: bool


class ServiceMetrics(BaseModel):
    system_metrics: SystemMetrics
    endpoint_metrics: dict[str, EndpointMetrics]
    timestamp: str


class IndexSuggestion(BaseModel):
    type: str
    table: str
    index: str
    columns: list[str]
    recommendation: str


class IndexSuggestions(Message):
    optimizations_found: int
    optimizations: list[IndexSuggestion]
