<?php

namespace App\Jobs;

use App\Jobs\Concerns\RecordsRuns;
use App\Models\Product;
use App\Models\Shop;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Queue\SerializesModels;
use RuntimeException;

class SyncProductToPrestaShop implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable, SerializesModels, RecordsRuns;

    public $tries = 3;

    public $maxExceptions = 2;

    public $backoff = [10, 60];

    public $timeout = 120;

    public $product;

    public $shop;

    public function __construct(Product $product, Shop $shop)
    {
        $this->product = $product;
        $this->shop = $shop;
        $this->onQueue('prestashop');
    }

    public function handle(): void
    {
        $this->recordRun("product {$this->product->id} to shop {$this->shop->id}");

        // The shop's `failing` column plays the PrestaShop webservice being down.
        if ($this->shop->failing) {
            throw new RuntimeException(sprintf(
                'PrestaShop webservice %s returned HTTP 503 while updating product %s (%s)',
                $this->shop->api_url, $this->product->sku, $this->product->name
            ));
        }
    }
}
