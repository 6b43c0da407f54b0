// Marketplace → currency (the marketplaces Sellerflow knows; from sellerflow.marketplaces).
const CURRENCIES = {
  ATVPDKIKX0DER: "USD",
  A2EUQ1WTGCTBG2: "CAD",
  A1PA6795UKMFR9: "EUR",
  A1F83G8C2ARO7P: "GBP",
  A13V1IB3VIYZZH: "EUR",
  A1VC38T7YXB528: "JPY",
};

export function currencyOf(marketplaceId) {
  return CURRENCIES[marketplaceId] || null;
}
