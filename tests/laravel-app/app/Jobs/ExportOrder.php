<?php

namespace App\Jobs;

use App\Jobs\Concerns\RecordsRuns;
use App\Models\Shop;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Queue\SerializesModels;
use RuntimeException;

/**
 * A job the way many applications write them: protected and private properties. PHP's
 * serialize() names those with NUL bytes ("\0*\0orderId", "\0App\Jobs\ExportOrder\0format"), so the
 * payload's JSON holds "\u0000" escapes, which PostgreSQL's json operators refuse. Fails while
 * its shop is `failing`, like SyncProductToPrestaShop.
 */
class ExportOrder implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable, SerializesModels, RecordsRuns;

    public $tries = 1;

    protected $orderId;

    protected $shop;

    private $format;

    public function __construct(int $orderId, Shop $shop, string $format = 'csv')
    {
        $this->orderId = $orderId;
        $this->shop = $shop;
        $this->format = $format;
    }

    public function handle(): void
    {
        $this->recordRun("order {$this->orderId} as {$this->format} to shop {$this->shop->id}");

        if ($this->shop->failing) {
            throw new RuntimeException("Export of order {$this->orderId} to {$this->shop->api_url} failed: HTTP 503");
        }
    }
}
